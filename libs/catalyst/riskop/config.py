"""The risk operator's settings (a config section): which object is the truth, and how often drift is checked.

The Risk Manager's URL and the operator's key are the shared ``Settings``' ``RISK_URL`` and
``RISK_OPERATOR_API_KEY``.
"""

from __future__ import annotations

from pydantic import Field

from catalyst.config import Section
from catalyst.riskop.resource import DEFAULT_OBJECT_NAME


class RiskOperatorSettings(Section):
    namespace: str = Field("catalyst", alias="RISKOP_NAMESPACE", min_length=1,
                           description="The namespace watched, and the authoritative object's")
    object_name: str = Field(DEFAULT_OBJECT_NAME, alias="RISKOP_OBJECT", min_length=1,
                             description="The one RiskParameters object applied; any other gets Invalid")
    drift_interval_s: float = Field(30.0, alias="RISKOP_DRIFT_INTERVAL", gt=0, le=60,
                                    description="How often the Risk Manager's active set is compared with the object")
    retry_initial_s: float = Field(0.5, alias="RISKOP_RETRY_INITIAL", gt=0,
                                   description="First wait before pushing again to an unreachable Risk Manager")
    retry_max_s: float = Field(10.0, alias="RISKOP_RETRY_MAX", gt=0, description="Longest wait between pushes")

    def retry_delay(self, retry: int) -> float:
        """Exponential backoff: the wait after the ``retry``-th failed push (0-based)."""
        return float(min(self.retry_max_s, self.retry_initial_s * 2 ** min(retry, 30)))
