"""Decoding a clip's frames from a frame folder or a video file, repairing broken frames.

Frame folders (Phoenix14T PNGs, CSL-Daily JPEGs) may hold empty or truncated files. A broken
frame is replaced by its nearest readable neighbour (the previous one, else the next one), so
frame numbers keep their meaning, and it is counted. A clip with no readable frame raises
:class:`NoReadableFrames`, which ``prepare`` catches, skips and lists. Broken packets inside a
video cannot be placed in time, so they are dropped and counted.

Hostile files are broken frames too, refused before they cost memory or time: a frame whose
header declares more than ``max_pixels`` pixels (a decompression bomb: a 1.2 MB PNG can hold a
20000 x 20000 image) is never decoded, and a frame file is read only when it is a regular file
(after following links) of at most ``max_frame_bytes`` bytes, so a link to /dev/zero or a FIFO
is never opened. A video whose stream is larger than ``max_pixels``, or a video path that is not
a regular file, stops with one :class:`DataError` line. Defaults: :data:`MAX_PIXELS`,
:data:`MAX_FRAME_BYTES`.

Two more bounds for callers that read files from strangers (``serve``, ``translate``): a
:class:`WorkBudget` (decoded pixels of the whole clip, seconds of decoding) that every decoded
frame is charged to, and ``sample``: only the frames the model will see are kept (and, from a
frame folder, decoded), so a clip's memory does not grow with its length.

The parts: base.py (ClipFrames, the budget, the limits check, the errors), images.py (one frame
file or encoded image), folder.py (frame folders), video.py (video files) and clip.py
(:func:`read_clip`, either of the two). Callers import from ``sign2gpt.data.frames``.
"""

from sign2gpt.config import MAX_FRAME_BYTES, MAX_PIXELS
from sign2gpt.data.frames.base import (
    ClipFrames,
    NoReadableFrames,
    OverBudget,
    Sample,
    WorkBudget,
    check_limits,
)
from sign2gpt.data.frames.clip import read_clip
from sign2gpt.data.frames.folder import (
    list_frame_files,
    nearest_readable,
    read_frame_files,
    read_frame_folder,
)
from sign2gpt.data.frames.images import (
    IMAGE_EXTS,
    decode_image,
    encode_jpeg,
    frame_file_pixels,
    image_dimensions,
    read_frame_bytes,
    read_image_file,
    resize_frame,
)
from sign2gpt.data.frames.video import VIDEO_EXTS, count_video_packets, is_video_file, read_video

__all__ = [
    "IMAGE_EXTS",
    "MAX_FRAME_BYTES",
    "MAX_PIXELS",
    "VIDEO_EXTS",
    "ClipFrames",
    "NoReadableFrames",
    "OverBudget",
    "Sample",
    "WorkBudget",
    "check_limits",
    "count_video_packets",
    "decode_image",
    "encode_jpeg",
    "frame_file_pixels",
    "image_dimensions",
    "is_video_file",
    "list_frame_files",
    "nearest_readable",
    "read_clip",
    "read_frame_bytes",
    "read_frame_files",
    "read_frame_folder",
    "read_image_file",
    "read_video",
    "resize_frame",
]
