# Writes the two small numpy archives beside this file (seeds of tests/fuzz/fuzz_npz, and read by tests/dataio):
# one np.savez (stored entries), one np.savez_compressed (deflated), each with '<f4', '<f8', '<i8' and '|u1' entries.
# Run with Debian's python3-numpy: /usr/bin/python3 tests/data/npz/make_seeds.py
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
w = (np.arange(12, dtype=np.float32) * 0.25 - 1.5).reshape(3, 4)
cfg = np.frombuffer(b'{"model": "drsae"}', dtype=np.uint8)
for name, save in (("numpy-stored.npz", np.savez), ("numpy-deflated.npz", np.savez_compressed)):
    save(os.path.join(here, name), w=w, step=np.array(7, dtype=np.int64), config=cfg, b=np.linspace(0, 1, 5))
