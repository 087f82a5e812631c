"""The synthetic signers: body proportions, colours, background, framing and signing speed.

All body geometry is in "canonical units" in a body frame whose origin is the base of the neck,
y pointing down and x pointing towards the signer's DOMINANT side; a frame image spans 100 x 100
canonical units before the signer's framing (zoom, offset) is applied. A left-handed signer is
the same drawing mirrored (the dominant side is then on the image right).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Signer:
    id: int  # 1-based, as in Signer01
    name: str  # "Signer01"
    left_handed: bool
    head_rx: float  # head half-width
    head_ry: float  # head half-height
    head_cy: float  # head centre above the neck base (negative)
    neck_len: float
    shoulder_w: float  # half-width of the shoulders
    shoulder_y: float  # shoulders below the neck base
    upper_arm: float
    forearm: float
    hand_scale: float
    skin: RGB
    hair: RGB
    shirt: RGB
    sleeve: RGB
    background: RGB
    background2: RGB  # bottom colour of the vertical background gradient
    zoom: float  # framing: canonical units -> image, times BASE_ZOOM * frame_size / 100
    offset: tuple[float, float]  # framing: where the neck base sits in the 100x100 image
    speed: float  # > 1 signs faster (shorter signs and transitions)
    jitter: float  # scale of the per-frame tremor

    @property
    def side(self) -> int:
        """Image x direction of the dominant side (right hand appears on the image left)."""
        return 1 if self.left_handed else -1

    def to_json(self) -> dict:
        out = asdict(self)
        out["offset"] = list(self.offset)
        for key in ("skin", "hair", "shirt", "sleeve", "background", "background2"):
            out[key] = list(out[key])
        return out


def _signer(i: int, **kw) -> Signer:
    base = dict(
        left_handed=False,
        head_rx=8.5,
        head_ry=10.5,
        head_cy=-13.0,
        neck_len=3.0,
        shoulder_w=14.0,
        shoulder_y=4.0,
        upper_arm=17.0,
        forearm=15.5,
        hand_scale=1.0,
        zoom=1.0,
        offset=(50.0, 42.0),
        speed=1.0,
        jitter=1.0,
    )
    base.update(kw)
    return Signer(id=i, name=f"Signer{i:02d}", **base)


# Ten signers (Phoenix14T has nine, CSL-Daily ten; the phoenix14t writer uses the first nine).
# Colours are chosen so that skin always contrasts with the shirt and the background: the
# hands must stay visible at 64 x 64 pixels.
SIGNERS: tuple[Signer, ...] = (
    _signer(
        1,
        skin=(236, 196, 160),
        hair=(70, 45, 25),
        shirt=(30, 40, 70),
        sleeve=(60, 75, 120),
        background=(120, 125, 135),
        background2=(95, 100, 110),
    ),
    _signer(
        2,
        skin=(200, 150, 110),
        hair=(20, 15, 10),
        shirt=(20, 20, 25),
        sleeve=(65, 65, 75),
        background=(160, 170, 180),
        background2=(130, 140, 150),
        head_rx=8.0,
        head_ry=10.0,
        shoulder_w=13.0,
        upper_arm=16.0,
        forearm=15.0,
        zoom=1.05,
        offset=(48.0, 43.0),
        speed=1.12,
    ),
    _signer(
        3,
        skin=(245, 210, 185),
        hair=(200, 160, 90),
        shirt=(70, 25, 30),
        sleeve=(115, 50, 55),
        background=(90, 110, 100),
        background2=(70, 90, 80),
        head_rx=9.0,
        head_ry=11.0,
        shoulder_w=15.0,
        upper_arm=18.0,
        forearm=16.0,
        zoom=0.93,
        offset=(52.0, 44.0),
        speed=0.9,
        jitter=1.3,
    ),
    _signer(
        4,
        skin=(150, 100, 70),
        hair=(15, 10, 10),
        shirt=(40, 60, 45),
        sleeve=(75, 105, 80),
        background=(175, 165, 150),
        background2=(150, 140, 125),
        head_rx=8.8,
        head_ry=10.2,
        shoulder_w=15.5,
        hand_scale=1.05,
        zoom=0.98,
        offset=(50.0, 41.0),
        speed=1.05,
    ),
    _signer(
        5,
        left_handed=True,
        skin=(225, 180, 140),
        hair=(110, 60, 30),
        shirt=(25, 30, 35),
        sleeve=(70, 80, 90),
        background=(110, 120, 150),
        background2=(85, 95, 125),
        head_rx=8.2,
        head_ry=10.8,
        shoulder_w=13.5,
        upper_arm=17.5,
        forearm=16.0,
        zoom=1.02,
        offset=(51.0, 42.5),
        speed=0.95,
    ),
    _signer(
        6,
        skin=(235, 190, 150),
        hair=(150, 150, 155),
        shirt=(55, 35, 65),
        sleeve=(95, 70, 110),
        background=(140, 140, 140),
        background2=(110, 110, 110),
        head_rx=9.2,
        head_ry=11.2,
        head_cy=-13.5,
        shoulder_w=16.0,
        upper_arm=18.5,
        forearm=16.5,
        hand_scale=1.08,
        zoom=0.9,
        offset=(50.0, 45.0),
        speed=0.85,
        jitter=0.8,
    ),
    _signer(
        7,
        skin=(180, 130, 95),
        hair=(35, 25, 20),
        shirt=(20, 45, 60),
        sleeve=(50, 90, 110),
        background=(185, 180, 170),
        background2=(160, 155, 145),
        head_rx=7.8,
        head_ry=9.8,
        shoulder_w=12.5,
        upper_arm=15.5,
        forearm=14.5,
        hand_scale=0.95,
        zoom=1.1,
        offset=(49.0, 40.0),
        speed=1.2,
        jitter=1.2,
    ),
    _signer(
        8,
        skin=(240, 200, 175),
        hair=(90, 30, 20),
        shirt=(45, 45, 50),
        sleeve=(90, 90, 100),
        background=(100, 135, 140),
        background2=(75, 110, 115),
        head_rx=8.6,
        head_ry=10.6,
        shoulder_w=14.5,
        upper_arm=17.0,
        forearm=15.5,
        zoom=1.0,
        offset=(53.0, 42.0),
        speed=1.0,
    ),
    _signer(
        9,
        skin=(120, 80, 55),
        hair=(10, 10, 10),
        shirt=(60, 40, 30),
        sleeve=(105, 75, 60),
        background=(150, 160, 175),
        background2=(125, 135, 150),
        head_rx=8.4,
        head_ry=10.4,
        shoulder_w=14.8,
        upper_arm=17.8,
        forearm=16.2,
        hand_scale=1.04,
        zoom=0.96,
        offset=(47.0, 43.0),
        speed=0.92,
        jitter=1.1,
    ),
    _signer(
        10,
        skin=(230, 185, 145),
        hair=(60, 40, 30),
        shirt=(30, 50, 40),
        sleeve=(60, 95, 75),
        background=(130, 115, 120),
        background2=(105, 90, 95),
        head_rx=8.3,
        head_ry=10.3,
        shoulder_w=14.2,
        upper_arm=16.8,
        forearm=15.2,
        zoom=1.03,
        offset=(50.0, 42.0),
        speed=1.08,
    ),
)


def signers_for(fmt: str) -> tuple[Signer, ...]:
    """Nine signers for the phoenix14t layout, ten for csl-daily (as the real datasets)."""
    return SIGNERS[:9] if fmt == "phoenix14t" else SIGNERS
