"""What a run leaves behind in ``run.json``: where its time went and what each service held in memory.

``make bench`` reads it (one day at ``--speed max``); a user can read it after any run.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class PhaseTimes(BaseModel):
    count: int = 0
    total_s: float = 0.0
    max_s: float = 0.0

    def add(self, seconds: float) -> None:
        self.count += 1
        self.total_s += seconds
        self.max_s = max(self.max_s, seconds)


class ServiceMemory(BaseModel):
    rss_mib: float = Field(description="Resident memory at the end of the day")
    peak_mib: float = Field(description="Peak resident memory of the process (VmHWM)")


class RunRecord(BaseModel):
    day: str
    speed: str
    startup_s: float = Field(0.0, description="Migrate, load, and every service answering /health")
    day_s: float = Field(0.0, description="From the first step of the day to the last answer")
    phases: dict[str, PhaseTimes] = Field(default_factory=dict, description="Wall time in each phase endpoint")
    memory: dict[str, ServiceMemory] = Field(default_factory=dict)
    trades: int = Field(0, description="Positions closed in the day")
    fills: int = Field(0, description="Fills announced on the bus while the run watched")
    report: str | None = None

    def phase(self, name: str) -> PhaseTimes:
        return self.phases.setdefault(name, PhaseTimes())

    @property
    def total_peak_mib(self) -> float:
        return sum(m.peak_mib for m in self.memory.values())
