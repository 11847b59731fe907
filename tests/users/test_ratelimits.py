"""users.ratelimits: several rates per action, consumed one by one."""

import pytest

from users import ratelimits
from users.errors import RateLimited

pytestmark = pytest.mark.django_db


def test_a_refused_attempt_takes_back_what_the_earlier_rates_counted(flow_request, settings):
    """An attempt refused by a later rate did not happen: the earlier rates'
    counts are refunded, so a burst stopped by the short window does not also
    use up the long one."""
    settings.RATE_LIMITS = {"try": "3/h/ip,1/m/ip"}
    ratelimits.hit(flow_request(), "try")
    for _ in range(5):
        with pytest.raises(RateLimited, match="try again in 1 minute"):
            ratelimits.hit(flow_request(), "try")
    settings.RATE_LIMITS = {"try": "3/h/ip"}  # the short window is over
    ratelimits.hit(flow_request(), "try")
    ratelimits.hit(flow_request(), "try")
    with pytest.raises(RateLimited, match="try again in 1 hour"):
        ratelimits.hit(flow_request(), "try")


def test_an_attempt_rolled_back_is_not_counted(flow_request, settings):
    settings.RATE_LIMITS = {"try": "1/h/key"}
    ratelimits.hit(flow_request(), "try", key="ada").rollback()
    ratelimits.hit(flow_request(), "try", key="ada")
    with pytest.raises(RateLimited):
        ratelimits.hit(flow_request(), "try", key="ada")
    ratelimits.hit(flow_request(), "try", key="grace")  # another key, another count
