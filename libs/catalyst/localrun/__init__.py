"""``catalyst run``: the whole system on one machine, playing one trading day (``make run``)."""
