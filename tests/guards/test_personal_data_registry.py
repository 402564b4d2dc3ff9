"""Every relation to the user model is in the personal-data registry that export and erasure read."""

from communities.personal_data import REGISTRY, Erase, user_relations


def test_every_relation_to_the_user_is_registered():
    registered = {(h.model, h.field) for h in REGISTRY}
    missing = user_relations() - registered
    assert not missing, f"Add these to communities/personal_data.py REGISTRY: {sorted(missing)}"


def test_registry_names_only_existing_relations_once():
    pairs = [(h.model, h.field) for h in REGISTRY]
    assert len(pairs) == len(set(pairs))
    assert set(pairs) <= user_relations(), sorted(set(pairs) - user_relations())


def test_personal_rows_are_deleted_and_contributions_kept():
    by_pair = {(h.model, h.field): h.erase for h in REGISTRY}
    assert by_pair[("communities.Notification", "user")] is Erase.DELETE
    assert by_pair[("practice.HelpRequest", "author")] is Erase.KEEP
