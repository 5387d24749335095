"""``python -m kfunc_torch run SCRIPT.py|NOTEBOOK.ipynb``: run Keras code unmodified on kfunc_torch.

Example::

    $ python -m kfunc_torch run mnist_mlp.py
"""
import sys

from .runner import main

if __name__ == "__main__":
    sys.exit(main())
