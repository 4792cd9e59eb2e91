"""``python -m forecast`` runs the ``peakdata`` command line."""
from forecast.cli.app import main

main()
