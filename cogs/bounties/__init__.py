"""``/bounty create|list|close`` (managers), ``/bounty list|submit`` (creators), the review
card of a submission, and the winners' announcements.

A new bounty is posted once in its channel (mentioning nobody) and DMed to its segment as a
resumable job. A submission's card has persistent Approve / Reject buttons (managers only).
Every win is told once by DM and once in the bounty's channel: by the Approve press, or by
the sweep for performance winners and for anything a restart cut off.
"""

from cogs.bounties._cog import setup

__all__ = ["setup"]
