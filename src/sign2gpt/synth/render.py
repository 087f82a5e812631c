"""Draw the signer, frame by frame, with Pillow, and return the 2D keypoints of what was drawn.

The geometry is computed in the body frame (``signers.py``), jittered, mapped to pixels and then
drawn; the keypoints are the very points used for drawing, so they agree with the pixels.
Frames may be drawn at ``supersample`` times the size and box-filtered down (smoother edges).
"""

from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw

from sign2gpt.data.pose.skeletons import SYNTH_HAND_POINTS, SYNTH_POINT_NAMES
from sign2gpt.synth.motion import HandState, Pose
from sign2gpt.synth.signers import RGB, Signer

PALM_LEN, PALM_WIDTH = 8.0, 7.2
FINGER_LEN = (6.2, 7.6, 8.2, 7.6, 6.2)
FINGER_OFFSETS = (0.78, 0.26, -0.26, -0.78)  # across the knuckles, thumb side positive
FINGER_WIDTH = 2.0
UPPER_ARM_WIDTH, FOREARM_WIDTH = 5.6, 4.6
TORSO_BOTTOM = 80.0
BASE_ZOOM = 1.35  # upper body fills the frame, as in Phoenix14T


def _shade(c: RGB, f: float) -> RGB:
    return tuple(max(0, min(255, round(v * f))) for v in c)  # type: ignore[return-value]


class Ar1:
    """Smooth per-frame jitter: x_t = a x_{t-1} + N(0, sigma)."""

    def __init__(self, rng: random.Random, sigma: float, a: float = 0.7) -> None:
        self.rng, self.sigma, self.a = rng, sigma, a
        self.x = self.y = 0.0

    def step(self) -> tuple[float, float]:
        self.x = self.a * self.x + self.rng.gauss(0.0, self.sigma)
        self.y = self.a * self.y + self.rng.gauss(0.0, self.sigma)
        return self.x, self.y


class FrameRenderer:
    """Renders the frames of one clip for one signer (clip-level camera shift and lighting)."""

    def __init__(
        self, signer: Signer, size: tuple[int, int], rng: random.Random, supersample: int = 2
    ) -> None:
        self.s = signer
        self.size = size
        self.ss = supersample
        self.rng = rng
        w, h = size
        light = rng.uniform(0.9, 1.08)
        cam = (rng.uniform(-2.0, 2.0), rng.uniform(-1.5, 1.5))
        # canonical unit -> output pixels
        self.kx = BASE_ZOOM * signer.zoom * w / 100.0
        self.ky = BASE_ZOOM * signer.zoom * h / 100.0
        self.ox = (signer.offset[0] + cam[0]) * w / 100.0
        self.oy = (signer.offset[1] + cam[1]) * h / 100.0
        self.skin = _shade(signer.skin, light)
        self.finger = _shade(signer.skin, 0.8 * light)
        self.hair = _shade(signer.hair, light)
        self.shirt = _shade(signer.shirt, light)
        self.sleeve = _shade(signer.sleeve, light)
        self.dark = (25, 20, 20)
        self.lips = _shade((150, 60, 60), light)
        self.bg = self._background(
            _shade(signer.background, light), _shade(signer.background2, light)
        )
        j = signer.jitter
        self.j_torso = Ar1(rng, 0.12 * j, 0.85)
        self.j_head = Ar1(rng, 0.15 * j, 0.8)
        self.j_dom = Ar1(rng, 0.22 * j)
        self.j_nd = Ar1(rng, 0.22 * j)
        self.frame = 0
        kss = self.kx * supersample
        # line widths in supersampled pixels
        self.w_blink = max(1, round(kss))
        self.w_brow = max(1, round(0.95 * self.ky * supersample))
        self.w_mouth = max(1, round(0.8 * self.ky * supersample))
        self.w_upper = max(1, round(UPPER_ARM_WIDTH * kss))
        self.w_fore = max(1, round(FOREARM_WIDTH * kss))
        self.w_finger = max(1, round(FINGER_WIDTH * signer.hand_scale * kss))

    def colours(self) -> dict[str, list[int]]:
        """The clip's drawing colours (after its lighting), for checks against the pixels."""
        return {
            "skin": list(self.skin),
            "finger": list(self.finger),
            "shirt": list(self.shirt),
            "sleeve": list(self.sleeve),
            "hair": list(self.hair),
        }

    def _background(self, top: RGB, bottom: RGB) -> Image.Image:
        w, h = self.size[0] * self.ss, self.size[1] * self.ss
        col = Image.new("RGB", (1, h))
        for y in range(h):
            t = y / max(1, h - 1)
            col.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom)))
        return col.resize((w, h), Image.NEAREST)

    # body frame -> output pixel coordinates
    def px(self, x: float, y: float) -> tuple[float, float]:
        return self.ox + self.s.side * x * self.kx, self.oy + y * self.ky

    def render(self, pose: Pose) -> tuple[Image.Image, list[tuple[float, float]]]:
        s = self.s
        tx, ty = self.j_torso.step()
        hx, hy = self.j_head.step()
        shake = pose.shake * 1.6 * math.sin(2 * math.pi * self.frame / 6.0)
        blink = self.rng.random() < 0.03
        self.frame += 1

        img = self.bg.copy()
        d = ImageDraw.Draw(img)
        ss = self.ss
        ax, bx = s.side * self.kx * ss, self.ox * ss
        ay, by = self.ky * ss, self.oy * ss

        def P(x: float, y: float) -> tuple[float, float]:
            return bx + ax * x, by + ay * y

        right = 1.0 if not s.left_handed else -1.0  # body-frame x sign of the signer's right side
        sw, sy = s.shoulder_w, s.shoulder_y
        # head
        hcx, hcy = tx + hx + shake, ty + hy + s.head_cy
        rx, ry = s.head_rx, s.head_ry
        neck_top = hcy + 0.7 * ry
        d.polygon(
            [
                P(tx - 2.8, neck_top),
                P(tx + 2.8, neck_top),
                P(tx + 3.2, ty + 1.0),
                P(tx - 3.2, ty + 1.0),
            ],
            fill=self.skin,
        )
        # torso (shirt)
        d.polygon(
            [
                P(tx - 4.0, ty - 0.8),
                P(tx + 4.0, ty - 0.8),
                P(tx + sw, ty + sy - 2.0),
                P(tx + sw + 3.0, ty + sy + 3.0),
                P(tx + sw + 2.0, TORSO_BOTTOM),
                P(tx - sw - 2.0, TORSO_BOTTOM),
                P(tx - sw - 3.0, ty + sy + 3.0),
                P(tx - sw, ty + sy - 2.0),
            ],
            fill=self.shirt,
        )
        self._ellipse(d, P, hcx, hcy - 0.12 * ry, rx + 1.0, ry + 0.6, self.hair)
        self._ellipse(d, P, hcx, hcy + 0.12 * ry, rx, ry * 0.9, self.skin)
        # eyes, eyebrows, mouth
        ex, ey = 0.38 * rx, hcy - 0.02 * ry
        brow_y = ey - 0.28 * ry - 1.4 * max(pose.brows, 0.0)
        furrow = 1.1 * max(-pose.brows, 0.0)
        for sgn in (1.0, -1.0):
            cx = hcx + sgn * ex
            if blink:
                d.line([P(cx - 1.1, ey), P(cx + 1.1, ey)], fill=self.dark, width=self.w_blink)
            else:
                self._ellipse(d, P, cx, ey, 1.05, 1.15, self.dark)
            inner, outer = hcx + sgn * 0.12 * rx, hcx + sgn * 0.68 * rx
            d.line(
                [P(inner, brow_y + furrow), P(outer, brow_y - 0.3)],
                fill=self.hair,
                width=self.w_brow,
            )
        my = hcy + 0.52 * ry
        if pose.mouth > 0.15:
            self._ellipse(d, P, hcx, my, 0.3 * rx, 0.4 + 1.3 * pose.mouth, self.lips)
        else:
            d.line(
                [P(hcx - 0.3 * rx, my), P(hcx + 0.3 * rx, my)], fill=self.lips, width=self.w_mouth
            )

        keypoints: dict[str, tuple[float, float]] = {}
        keypoints["nose"] = (hcx, hcy + 0.2 * ry)
        keypoints["right_eye"] = (hcx + right * ex, ey)
        keypoints["left_eye"] = (hcx - right * ex, ey)
        keypoints["neck"] = (tx, ty)
        shoulders = {1.0: (tx + sw, ty + sy), -1.0: (tx - sw, ty + sy)}  # dom side, nd side
        keypoints["right_shoulder"] = shoulders[right]
        keypoints["left_shoulder"] = shoulders[-right]

        # non-dominant arm and hand first, dominant drawn on top
        jd, jn = self.j_dom.step(), self.j_nd.step()
        for side_sign, state, jit in ((-1.0, pose.nd, jn), (1.0, pose.dom, jd)):
            name = "right" if side_sign == right else "left"
            pts = self._arm_and_hand(d, P, shoulders[side_sign], state, jit, side_sign)
            for key, value in pts.items():
                keypoints[f"{name}_{key}"] = value

        if ss > 1:
            img = img.reduce(ss)
        kps = [self.px(*keypoints[n]) for n in SYNTH_POINT_NAMES]
        return img, kps

    def _ellipse(self, d, P, cx, cy, rx, ry, fill) -> None:
        x0, y0 = P(cx - rx, cy - ry)
        x1, y1 = P(cx + rx, cy + ry)
        d.ellipse([min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)], fill=fill)

    def _arm_and_hand(self, d, P, shoulder, state: HandState, jit, dom: float):
        s = self.s
        x, y, ang, shape = state
        x, y = x + jit[0], y + jit[1]
        hsc = s.hand_scale
        a = math.radians(ang)
        ux, uy = math.cos(a), math.sin(a)
        # thumb side: towards the body midline for a palm facing the camera
        if dom > 0:
            wx, wy = uy, -ux
        else:
            wx, wy = -uy, ux
        off = 0.55 * PALM_LEN * hsc
        wrist = (x - ux * off, y - uy * off)
        sx, sy = shoulder
        la, lb = s.upper_arm, s.forearm
        dx, dy = wrist[0] - sx, wrist[1] - sy
        dist = math.hypot(dx, dy) or 1e-6
        reach = la + lb - 0.05
        low = abs(la - lb) + 0.05
        if dist > reach or dist < low:  # out of reach: the hand goes as far as the arm allows
            k = (reach if dist > reach else low) / dist
            wrist = (sx + dx * k, sy + dy * k)
            x, y = wrist[0] + ux * off, wrist[1] + uy * off
            dx, dy, dist = dx * k, dy * k, dist * k
        cos_al = (la * la + dist * dist - lb * lb) / (2 * la * dist)
        al = math.acos(max(-1.0, min(1.0, cos_al)))
        base = math.atan2(dy, dx)
        best = None
        for sgn in (1.0, -1.0):
            ex, ey = sx + la * math.cos(base + sgn * al), sy + la * math.sin(base + sgn * al)
            score = ey + 0.7 * ex * dom  # elbows hang down and outwards
            if best is None or score > best[0]:
                best = (score, ex, ey)
        _, ex, ey = best
        d.line([P(sx, sy), P(ex, ey)], fill=self.sleeve, width=self.w_upper)
        d.line([P(ex, ey), P(*wrist)], fill=self.sleeve, width=self.w_fore)
        r = 0.5 * UPPER_ARM_WIDTH * 0.95
        self._ellipse(d, P, ex, ey, r, r, self.sleeve)

        # palm
        pl, pw = PALM_LEN * hsc, PALM_WIDTH * hsc
        cx, cy = x, y
        corners = [
            (cx - ux * pl / 2 + wx * pw * 0.36, cy - uy * pl / 2 + wy * pw * 0.36),
            (cx + ux * pl / 2 + wx * pw / 2, cy + uy * pl / 2 + wy * pw / 2),
            (cx + ux * pl / 2 - wx * pw / 2, cy + uy * pl / 2 - wy * pw / 2),
            (cx - ux * pl / 2 - wx * pw * 0.36, cy - uy * pl / 2 - wy * pw * 0.36),
        ]
        d.polygon([P(*c) for c in corners], fill=self.skin)
        ext, curl, spread, ring = shape[0:5], shape[5:10], shape[10:15], shape[15]
        fw = self.w_finger
        tips: list[tuple[float, float]] = []
        for f in range(5):
            e = ext[f]
            sp = math.radians(spread[f])
            dxf = ux * math.cos(sp) + wx * math.sin(sp)
            dyf = uy * math.cos(sp) + wy * math.sin(sp)
            if f == 0:
                bx, by = cx - ux * pl * 0.12 + wx * pw * 0.42, cy - uy * pl * 0.12 + wy * pw * 0.42
            else:
                o = FINGER_OFFSETS[f - 1]
                bx = cx + ux * pl * 0.42 + wx * pw * 0.5 * o
                by = cy + uy * pl * 0.42 + wy * pw * 0.5 * o
            length = FINGER_LEN[f] * hsc * e
            if length < 0.6:
                tips.append((bx, by))
                continue
            l1 = length * (0.55 if curl[f] > 0.05 else 1.0)
            mx, my = bx + dxf * l1, by + dyf * l1
            pts = [P(bx, by), P(mx, my)]
            if curl[f] > 0.05:
                c = math.radians(125.0 * curl[f])
                # hook towards the thumb side (index..pinky) or across the palm (thumb)
                sgn = 1.0 if f > 0 else -1.0
                # unit vector perpendicular to the finger, towards the thumb side
                qx = wx * math.cos(sp) - ux * math.sin(sp)
                qy = wy * math.cos(sp) - uy * math.sin(sp)
                d2x = dxf * math.cos(c) + sgn * qx * math.sin(c)
                d2y = dyf * math.cos(c) + sgn * qy * math.sin(c)
                l2 = length * 0.45
                mx, my = mx + d2x * l2, my + d2y * l2
                pts.append(P(mx, my))
            d.line(pts, fill=self.finger, width=fw, joint="curve")
            tips.append((mx, my))
        if ring >= 0.5:
            (ax, ay), (bx2, by2) = tips[0], tips[1]
            rcx, rcy = (ax + bx2) / 2, (ay + by2) / 2
            rr = max(1.3 * hsc, 0.5 * math.hypot(ax - bx2, ay - by2))
            x0, y0 = P(rcx - rr, rcy - rr)
            x1, y1 = P(rcx + rr, rcy + rr)
            d.ellipse(
                [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)], outline=self.finger, width=fw
            )
        out = {"elbow": (ex, ey), "wrist": wrist, "palm": (cx, cy)}
        for name, tip in zip(SYNTH_HAND_POINTS[1:], tips):
            out[name] = tip
        return out
