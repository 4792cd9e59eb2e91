"""peakdata: when human-written text runs out, and what the way out costs."""
from forecast._version import __version__

__all__ = ["__version__"]
