"""The platforms this installation talks to, and the local cache of what they hold: spaces,
components, taxonomies (categories, scopes), meetings and pulled proposals, which sessions and
proposals link to.

This is the package's public surface; other packages, the CLI, ``sync`` and the UI use only these
names."""

from __future__ import annotations

from p311desk.spaces.cache import (
    ComponentInfo,
    LinkInfo,
    MeetingInfo,
    SpaceInfo,
    TaxonomyInfo,
    cache_counts,
    describe_link,
    list_meetings,
    list_spaces,
    resolve_link,
    space_labels,
    taxonomies,
)
from p311desk.spaces.platforms import (
    PlatformInfo,
    add_platform,
    default_locale,
    get_platform,
    import_line,
    list_platforms,
    platform_of_component,
    record_probe,
    record_pull,
    remove_platform,
    set_account,
    set_default,
    set_default_locale,
)
from p311desk.spaces.pulled import (
    Applied,
    RemoteComponent,
    RemoteMeeting,
    RemoteProposal,
    RemoteSpace,
    RemoteTaxonomy,
    apply_meetings,
    apply_proposals,
    apply_spaces,
)

__all__ = [
    "Applied",
    "ComponentInfo",
    "LinkInfo",
    "MeetingInfo",
    "PlatformInfo",
    "RemoteComponent",
    "RemoteMeeting",
    "RemoteProposal",
    "RemoteSpace",
    "RemoteTaxonomy",
    "SpaceInfo",
    "TaxonomyInfo",
    "add_platform",
    "default_locale",
    "import_line",
    "platform_of_component",
    "set_default_locale",
    "space_labels",
    "apply_meetings",
    "apply_proposals",
    "apply_spaces",
    "cache_counts",
    "describe_link",
    "get_platform",
    "list_meetings",
    "list_platforms",
    "list_spaces",
    "record_probe",
    "record_pull",
    "remove_platform",
    "resolve_link",
    "set_account",
    "set_default",
    "taxonomies",
]
