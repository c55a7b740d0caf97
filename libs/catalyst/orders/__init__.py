"""Order domain: the life-cycle transition table and the order models the OMS and brokers share."""
