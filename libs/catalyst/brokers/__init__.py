"""Broker adapters behind one interface: ``SimBroker`` (offline default) and ``AlpacaBroker``."""
