"""Listing through the SDK's pager: `maxresults` smaller than the result set, followed through
`odata.nextLink` (which the SDK requests as-is, re-applying only its api-version), with
`$filter` and `$select` holding on every page."""

from urllib.parse import parse_qs, urlsplit

import pytest

from azure.batch import models

from support import Recorder, pool_options, unique_id

POOLS = 7


@pytest.fixture(scope="module")
def listing(emulator):
    """An account holding seven pools: four `blue-*` with metadata, three `green-*`."""
    recorder = Recorder()
    client = emulator.client(raw_response_hook=recorder)
    blue = [unique_id("blue") for _ in range(4)]
    green = [unique_id("green") for _ in range(3)]
    for pool_id in blue:
        client.create_pool(pool_options(pool_id, metadata=[models.BatchMetadataItem(name="colour", value="blue")]))
    for pool_id in green:
        client.create_pool(pool_options(pool_id, vm_size="standard_d4s_v3"))
    recorder.exchanges.clear()
    return client, recorder, blue, green


def properties(model) -> set[str]:
    """The JSON properties an entity came back with, less OData annotations (`odata.metadata`)."""
    return {key for key in model.keys() if not key.startswith("odata.")}


def list_requests(recorder: Recorder, path: str = "/pools") -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(url).query) for method, url, _ in recorder.exchanges if method == "GET" and urlsplit(url).path == path]


def test_list_pools_pages_through_next_link(listing):
    client, recorder, blue, green = listing
    recorder.exchanges.clear()
    pages = [list(page) for page in client.list_pools(max_results=3).by_page()]

    ids = [p.id for page in pages for p in page]
    assert sorted(ids) == sorted(blue + green)
    assert len(ids) == len(set(ids)) == POOLS
    assert [len(page) for page in pages] == [3, 3, 1]
    assert all(isinstance(p, models.BatchPool) for page in pages for p in page)

    requests = list_requests(recorder)
    assert len(requests) == 3
    assert requests[0]["maxresults"] == ["3"]
    # Follow-up requests are the service's own next links, with the client's api-version.
    assert all(r["api-version"] == ["2025-06-01"] for r in requests)


def test_paging_with_max_results_one_returns_every_pool_once(listing):
    client, _, blue, green = listing
    pager = client.list_pools(max_results=1)
    ids = [p.id for p in pager]
    assert sorted(ids) == sorted(blue + green)


def test_list_pools_filter_by_id_prefix(listing):
    client, _, blue, _ = listing
    prefix = blue[0].rsplit("-", 1)[0]  # "blue-<pid>"
    found = [p.id for p in client.list_pools(filter=f"startswith(id, '{prefix}')")]
    assert sorted(found) == sorted(blue)


def test_list_pools_filter_by_vm_size_and_state(listing):
    client, _, _, green = listing
    found = [p.id for p in client.list_pools(filter="vmSize eq 'standard_d4s_v3' and state eq 'active'")]
    assert sorted(found) == sorted(green)
    assert list(client.list_pools(filter="state eq 'deleting'")) == []


def test_list_pools_select_returns_only_selected_properties(listing):
    client, _, blue, green = listing
    pools = list(client.list_pools(select=["id", "state"]))
    assert sorted(p.id for p in pools) == sorted(blue + green)
    for pool in pools:
        assert properties(pool) == {"id", "state"}, pool.as_dict()
        assert pool.state == models.BatchPoolState.ACTIVE
        assert pool.vm_size is None
        assert pool.etag is None


def test_get_pool_select(listing):
    client, _, blue, _ = listing
    pool = client.get_pool(blue[0], select=["id", "metadata", "vmSize"])
    assert properties(pool) == {"id", "metadata", "vmSize"}, pool.as_dict()
    assert pool.id == blue[0]
    assert [(m.name, m.value) for m in pool.metadata] == [("colour", "blue")]
    assert pool.vm_size.lower() == "standard_d2s_v3"


def test_filter_and_select_hold_on_every_page(listing):
    client, recorder, blue, _ = listing
    prefix = blue[0].rsplit("-", 1)[0]
    recorder.exchanges.clear()
    pages = [
        list(page)
        for page in client.list_pools(
            max_results=1, filter=f"startswith(id, '{prefix}')", select=["id", "metadata"]
        ).by_page()
    ]
    # A service may end with an empty page after an exactly full one; nothing else is allowed.
    assert [len(page) for page in pages if page] == [1, 1, 1, 1]
    assert len(pages) <= 5
    assert sorted(p.id for page in pages for p in page) == sorted(blue)
    for page in pages:
        for pool in page:
            assert properties(pool) == {"id", "metadata"}, pool.as_dict()
    assert len(list_requests(recorder)) == len(pages)
