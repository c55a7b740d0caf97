"""The Scanner's funnel (spec 2.3, service 2): pure stage filters and scoring, and the application
service that gathers each stage's facts from News, Technical and Pattern and stores every scan."""
