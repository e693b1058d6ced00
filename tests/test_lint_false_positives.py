"""False positives found by bench/real_repos.py on real 2017–18 repositories, each pinned
as a negative snippet (written for this test, not copied from the repositories)."""

from lint_helpers import found


def test_element_of_a_row_taken_through_data_is_not_a_scalar_index():
    # Indexing the result of `.data[0]` again shows the receiver has at least two
    # dimensions: `[0]` picks a row, which is valid on torch 2.13, and `.item()` follows.
    source = """
        import torch
        net = torch.nn.Linear(1, 1)
        estimate = net(torch.tensor([[2.0]])).data[0][0].item()
        first = net(torch.tensor([[2.0]])).data[0][0]
    """
    assert found(source, "LV104") == []


def test_known_zero_dim_receiver_is_still_reported_when_indexed_twice():
    source = """
        import torch
        total = torch.ones(3).sum()
        broken = total.data[0][0]
    """
    assert [code for code, _, _ in found(source, "LV104")] == ["LV104"]
