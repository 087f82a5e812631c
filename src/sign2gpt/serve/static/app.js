// The page of `sign2gpt serve`: send one clip to POST /api/translate and show the answer.
// Plain script, no library: the page must work with no internet.
"use strict";

const IMAGE = /\.(png|jpe?g|bmp|webp)$/i;
const HISTORY_KEY = "sign2gpt-history";
const $ = (id) => document.getElementById(id);

let limits = { max_upload_mb: 200, max_seconds: 60, max_frames: 1500 };
let lang = "";
let busy = false;
let history = [];
try {
  history = JSON.parse(sessionStorage.getItem(HISTORY_KEY) || "[]");
} catch (e) {
  history = [];
}

function setState(state) {
  document.body.dataset.state = state;
  $("result").setAttribute("aria-busy", state === "working" ? "true" : "false");
  $("drop").setAttribute("aria-disabled", state === "working" ? "true" : "false");
}

function say(message) {
  $("status").textContent = message;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

function progress(value) {
  const bar = $("progress");
  bar.hidden = value === null;
  if (value === undefined) bar.removeAttribute("value"); // indeterminate: the model runs
  else if (value !== null) bar.value = value;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

async function loadHealth() {
  try {
    const response = await fetch("/api/health");
    const health = await response.json();
    limits = health.limits;
    lang = health.lang;
    const heat = health.heatmap_checkpoint ? ", with heatmaps" : "";
    $("model-line").textContent = `${health.model} on ${health.device}${heat}`;
    const keypoints = health.input === "pose" ? " (or a .pose / .npz keypoint file)" : "";
    $("drop-hint").textContent =
      `mp4, webm, mov, avi or a zip of png/jpg frames${keypoints}; up to ` +
      `${limits.max_upload_mb} MB, ${limits.max_seconds} s and ${limits.max_frames} frames.`;
  } catch (e) {
    $("model-line").textContent = "The server does not answer; is `sign2gpt serve` running?";
  }
}

// ---- choosing a clip ---------------------------------------------------------------------

function choose() {
  if (!busy) $("file").click();
}

function imagesOf(files) {
  return files
    .filter((f) => IMAGE.test(f.name))
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

function readDirectory(entry) {
  // every file below a dropped folder (readEntries hands them out in batches)
  return new Promise((resolve) => {
    const files = [];
    let pending = 0;
    const walk = (dir) => {
      pending += 1;
      const reader = dir.createReader();
      const batch = () =>
        reader.readEntries(async (entries) => {
          if (!entries.length) {
            pending -= 1;
            if (pending === 0) resolve(files);
            return;
          }
          for (const e of entries) {
            if (e.isDirectory) walk(e);
            else files.push(await new Promise((ok, bad) => e.file(ok, bad)));
          }
          batch();
        }, () => {
          pending -= 1;
          if (pending === 0) resolve(files);
        });
      batch();
    };
    walk(entry);
  });
}

async function onDrop(event) {
  event.preventDefault();
  $("drop").classList.remove("over");
  if (busy) return;
  const items = [...(event.dataTransfer.items || [])];
  const entry = items.length === 1 && items[0].webkitGetAsEntry ? items[0].webkitGetAsEntry() : null;
  if (entry && entry.isDirectory) {
    sendFrames(await readDirectory(entry), entry.name);
    return;
  }
  const files = [...event.dataTransfer.files];
  if (files.length === 1) send([files[0]], files[0].name);
  else sendFrames(files, `${files.length} files`);
}

function sendFrames(files, label) {
  const frames = imagesOf(files);
  if (!frames.length) {
    fail(label, "No png or jpg frames in what you chose.");
    return;
  }
  send(frames, `${label} (${plural(frames.length, "frame")})`, label);
}

// ---- sending it --------------------------------------------------------------------------

function newTicket() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Math.random().toString(16).slice(2) + Date.now().toString(16);
}

function send(files, label, clipName) {
  if (busy) return;
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  clearResult();
  if (bytes > limits.max_upload_mb * 1024 * 1024) {
    fail(label, `${label} is ${(bytes / 1048576).toFixed(1)} MB; this server takes at most ` +
      `${limits.max_upload_mb} MB.`);
    return;
  }
  busy = true;
  setState("working");
  const form = new FormData();
  for (const f of files) form.append("file", f, f.name);
  if (clipName) form.append("name", clipName); // frames: the folder they came from
  const ticket = newTicket();
  const xhr = new XMLHttpRequest();
  const started = performance.now();
  let poll = null;
  xhr.open("POST", `/api/translate?ticket=${encodeURIComponent(ticket)}`);
  xhr.responseType = "json";
  say(`Uploading ${label}…`);
  progress(0);
  xhr.upload.onprogress = (e) => {
    if (!e.lengthComputable) return;
    const pct = Math.round((100 * e.loaded) / e.total);
    say(`Uploading ${label}… ${pct} %`);
    progress(pct);
  };
  xhr.upload.onload = () => {
    say(`Checking ${label}…`);
    progress(undefined);
    watch(ticket, label, started);
    poll = setInterval(() => watch(ticket, label, started), 400);
  };
  xhr.onload = () => {
    clearInterval(poll);
    const body = xhr.response || {};
    if (xhr.status === 200) show(body, label);
    else fail(label, body.error || `The server answered HTTP ${xhr.status}.`);
  };
  xhr.onerror = () => {
    clearInterval(poll);
    fail(label, "The server could not be reached (is `sign2gpt serve` still running?).");
  };
  xhr.send(form);
}

async function watch(ticket, label, started) {
  try {
    const job = await (await fetch(`/api/jobs/${encodeURIComponent(ticket)}`)).json();
    if (!busy) return;
    if (job.state === "receiving") {
      say(`Checking ${label}…`);
    } else if (job.state === "queued") {
      say(`Queued: ${plural(job.ahead, "clip")} ahead of ${label}.`);
    } else if (job.state === "running") {
      const s = Math.round((performance.now() - started) / 1000);
      say(`Translating ${label}… ${s} s`);
    }
  } catch (e) {
    // the answer to the upload itself says what went wrong
  }
}

// ---- showing the answer ------------------------------------------------------------------

function clearResult() {
  $("error").hidden = true;
  $("text").hidden = true;
  $("facts").hidden = true;
  $("sheet-figure").hidden = true;
  $("heatmap-figure").hidden = true;
}

function fail(label, message) {
  busy = false;
  setState("error");
  progress(null);
  say(`Could not translate ${label}.`);
  showError(message);
  remember({ file: label, error: message });
  reveal();
}

function render(r) {
  clearResult();
  const text = $("text");
  text.textContent = r.text || "(the model said nothing)";
  if (lang) text.lang = lang;
  text.hidden = false;
  $("fact-file").textContent = r.file;
  $("fact-frames").textContent =
    `${r.decoded_frames} decoded, ${r.sampled_frames} seen by the model`;
  $("fact-length").textContent = r.clip_seconds == null ? "unknown (frames have no frame rate)"
    : `${r.clip_seconds.toFixed(2)} s`;
  $("fact-time").textContent = `${r.seconds.toFixed(2)} s translating` +
    (r.queued_seconds >= 0.05 ? `, ${r.queued_seconds.toFixed(1)} s waiting` : "");
  $("facts").hidden = false;
  $("sheet").src = r.contact_sheet_url;
  $("sheet-figure").hidden = false;
  if (r.heatmap_url) {
    $("heatmap").src = r.heatmap_url;
    $("heatmap-figure").hidden = false;
  }
}

function show(r, label) {
  busy = false;
  setState("done");
  progress(null);
  say(`Translated ${label} in ${r.seconds.toFixed(2)} s.`);
  render(r);
  remember(r);
  reveal();
}

function reveal() {
  // on a phone the answer lies below the fold; the live region has announced it already
  const box = $("result").getBoundingClientRect();
  if (box.top > window.innerHeight * 0.6) $("result").scrollIntoView({ block: "start" });
}

function remember(entry) {
  history.unshift({ ...entry, at: new Date().toLocaleTimeString() });
  history = history.slice(0, 50);
  try {
    sessionStorage.setItem(HISTORY_KEY, JSON.stringify(history));
  } catch (e) {
    // private mode: the history lasts as long as the page
  }
  drawHistory();
}

function drawHistory() {
  const list = $("history");
  list.replaceChildren();
  $("history-empty").hidden = history.length > 0;
  for (const h of history) {
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = h.file;
    if (h.error) {
      li.className = "failed";
      const why = h.error.startsWith(`${h.file}: `) ? h.error.slice(h.file.length + 2) : h.error;
      li.append(`${h.at} `, name, `: ${why}`);
    } else {
      const button = document.createElement("button");
      button.type = "button";
      const said = document.createElement("span");
      said.textContent = h.text || "(nothing)";
      if (lang) said.lang = lang;
      button.append(`${h.at} `, name, ": ", said);
      button.setAttribute("aria-label", `Show again: ${h.file}: ${h.text}`);
      button.addEventListener("click", () => {
        say(`Showing ${h.file} from ${h.at}.`);
        render(h);
      });
      li.append(button);
    }
    list.append(li);
  }
}

// ---- the webcam --------------------------------------------------------------------------

let recorder = null;

function setupRecording() {
  const button = $("record");
  const hint = $("record-hint");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
    button.disabled = true;
    hint.textContent = "Recording needs a browser with MediaRecorder on https or localhost.";
    hint.hidden = false;
    return;
  }
  button.setAttribute("aria-pressed", "false");
  button.addEventListener("click", () => (recorder ? recorder.stop() : record()));
}

async function record() {
  if (busy) return;
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
  } catch (e) {
    clearResult();
    showError(`The webcam is not available (${e.name}).`);
    return;
  }
  const type = ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"].find((t) =>
    MediaRecorder.isTypeSupported(t));
  recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
  const chunks = [];
  const video = $("camera");
  const button = $("record");
  video.srcObject = stream;
  $("camera-box").hidden = false;
  video.play().catch(() => {});
  const started = performance.now();
  const timer = setInterval(() => {
    const s = (performance.now() - started) / 1000;
    $("camera-time").textContent = `Recording ${s.toFixed(0)} s`;
    if (s >= limits.max_seconds - 1) recorder.stop();
  }, 250);
  recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
  recorder.onstop = () => {
    clearInterval(timer);
    stream.getTracks().forEach((t) => t.stop());
    video.srcObject = null;
    $("camera-box").hidden = true;
    recorder = null;
    button.textContent = "Record from webcam";
    button.setAttribute("aria-pressed", "false");
    const name = `webcam-${new Date().toTimeString().slice(0, 8).replace(/:/g, "")}.webm`;
    send([new File(chunks, name, { type: "video/webm" })], name);
  };
  recorder.start(250);
  button.textContent = "Stop and translate";
  button.setAttribute("aria-pressed", "true");
  say("Recording… press the button again to stop and translate.");
}

// ---- wiring ------------------------------------------------------------------------------

function main() {
  const drop = $("drop");
  drop.addEventListener("click", choose);
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      choose();
    }
  });
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", onDrop);
  $("file").addEventListener("change", (e) => {
    const file = e.target.files[0];
    e.target.value = "";
    if (file) send([file], file.name);
  });
  const folder = $("folder");
  if ("webkitdirectory" in folder) {
    $("choose-folder").addEventListener("click", () => !busy && folder.click());
    folder.addEventListener("change", (e) => {
      const files = [...e.target.files];
      const name = files.length && files[0].webkitRelativePath
        ? files[0].webkitRelativePath.split("/")[0] : "folder";
      e.target.value = "";
      if (files.length) sendFrames(files, name);
    });
  } else {
    $("choose-folder").hidden = true; // no folder picker here; a zip of frames still works
  }
  setupRecording();
  drawHistory();
  loadHealth();
}

main();
