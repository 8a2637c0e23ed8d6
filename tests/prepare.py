"""What the test suite needs beyond Python packages; run by `make test` before pytest."""

from __future__ import annotations

import sys


def main() -> int:
    print("test prerequisites present", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
