"""Order life cycle: the transition table the OMS applies to broker reports (the order request is ``domain``)."""
