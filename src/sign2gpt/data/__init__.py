"""sign2gpt.data: corpus readers, the prepared frame store, sampling, augmentation, loaders."""

import cv2

# OpenCV single-threaded, before any DataLoader worker is forked (frames/images.py decodes PNGs and
# augment.py transforms with it): a worker or loader thread is one of several on the cores
# already, and a forked child of a process whose OpenCV thread pool has started deadlocks in
# its next OpenCV call (seen in the test suite, in cv2.setNumThreads).
cv2.setNumThreads(1)
