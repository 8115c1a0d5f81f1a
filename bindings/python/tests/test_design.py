"""The inverse-design pipeline, on a small dataset of small films."""
import numpy as np
import pytest

import ferrolab

# 40 structures of 32-cell films, 40-point loops, 100 epochs: under a second on 2 cores.
SMALL = dict(samples=40, grid_steps=21, verify_seeds=2, paper_steps=0, pf__cells_width=32, pf__points=40,
             pf__hold_steps=10, vae__epochs=100, vae__batch_size=16)


def test_cancelled_design_resumes_to_the_result_of_a_straight_run(tmp_path):
    straight = ferrolab.run_design(tmp_path / "straight", **SMALL)
    design = ferrolab.Design(tmp_path / "out", **SMALL)
    with pytest.raises(ferrolab.ArgumentError, match="no design"):
        design.result()  # not run yet
    seen = []

    def cancel_once_started(p):
        seen.append(p)
        if p.done >= 1:
            design.request_cancel()

    with pytest.raises(ferrolab.CancelledError):
        design.run(progress=cancel_once_started, interval=0.001)
    assert seen and all(0 <= p.stage < len(ferrolab.STAGES) for p in seen)
    assert "cancel" in design.last_error()
    design.run()
    result = design.result()
    assert result is not None and straight is not None
    np.testing.assert_array_equal(result.z, straight.z)
    np.testing.assert_array_equal(result.mean, straight.mean)
    assert result.mean.shape == result.std.shape == (4,) and np.all(result.std > 0)
    assert design.progress()[0] == ferrolab.STAGES.index("report") == design.progress_info().stage
    assert (tmp_path / "out" / "report.md").is_file() and (tmp_path / "out" / "vae.safetensors").is_file()
    design.close()


def test_design_on_a_dataset_that_is_missing(tmp_path):
    with ferrolab.Design(tmp_path / "out", dataset=tmp_path / "none.json", **SMALL) as design:
        with pytest.raises(ferrolab.FileError, match="none.json"):
            design.run()
    with pytest.raises(ferrolab.ArgumentError, match="full"):
        ferrolab.Design(tmp_path / "out", dataset=tmp_path / "none.json", full=True)
