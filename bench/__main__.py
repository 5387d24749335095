"""``python -m bench``: run the suite (see ``bench/run.py``)."""
from .run import main

if __name__ == "__main__":
    raise SystemExit(main())
