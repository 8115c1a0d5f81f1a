"""The Python examples in examples/python run to the end and say what they promise."""
import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "python"


def test_lstm_vae_example_selects_a_stage_and_reloads(tmp_path):
    run = subprocess.run([sys.executable, str(EXAMPLES / "lstm_vae_spectra.py"), str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "selected stage" in run.stdout and "same encoding" in run.stdout, run.stdout
    assert (tmp_path / "model.safetensors").is_file() and (tmp_path / "stage-001.safetensors").is_file()


def test_ae_example_logs_the_session_it_saved(tmp_path):
    """Every pick's surprise it prints is the one the saved session holds at that pixel, the most
    surprising pick is the surprise map's maximum, and the session it saved reloads with the
    measurements and the next picks it printed."""
    import numpy as np

    import ferrolab

    run = subprocess.run([sys.executable, str(EXAMPLES / "ae_closed_loop.py"), str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "reloaded session ranks identically: yes" in out, out

    sample = ferrolab.sample_generate(rows=24, cols=24, steps=16, split_col=12, anomaly_count=1,
                                      anomaly_window_px=4, seed=5)
    r, c = np.argwhere(sample.anomaly).mean(axis=0)
    assert f"planted anomaly: {sample.anomaly.sum()} px around ({r:.1f}, {c:.1f})" in out, out

    saved = ferrolab.AeSession.load(tmp_path / "ae_closed_loop_session")
    surprise = saved.maps().err_nrms
    picked = np.argwhere(~np.isnan(surprise))
    assert len(picked) == 3 * 4 and saved.n_measurements == 16 + len(picked)
    printed = {(int(m[1]), int(m[2])): (m[3], m[4]) for m in
               re.finditer(r"  pick \(\s*(\d+),\s*(\d+)\)  score \S+  surprise (\S+)(.*)", out)}
    assert sorted(printed) == sorted(map(tuple, picked)), out
    for r, c in picked:
        mark = "  (planted anomaly)" if sample.anomaly[r, c] else ""
        assert printed[r, c] == (f"{surprise[r, c]:.6f}", mark), (r, c, out)
    r, c = np.unravel_index(np.nanargmax(surprise), surprise.shape)
    assert f"most surprising: ({r}, {c}), surprise {surprise[r, c]:.6f}" in out, out

    ranking = saved.rank(4)
    line = "next picks:" + "".join(f" ({r}, {c})" for r, c in zip(ranking.rows, ranking.cols))
    assert f"{line}\nsaved {saved.n_measurements} measurements" in out, out
    saved.close()


def test_rvae_example_trains_encodes_and_reloads(tmp_path):
    run = subprocess.run([sys.executable, str(EXAMPLES / "rvae_rotated.py"), str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "reloaded model encodes identically: yes" in run.stdout, run.stdout
    assert re.search(r"epoch 20: train loss \d", run.stdout), run.stdout
    assert (tmp_path / "rvae.safetensors").is_file()


def test_unet_example_segments_a_held_out_frame_and_reloads(tmp_path):
    run = subprocess.run([sys.executable, str(EXAMPLES / "unet_segment.py"), str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "reloaded model segments identically: yes" in run.stdout, run.stdout
    iou = re.search(r"held-out 40 x 56 frame: IoU of the disks (\d\.\d+)", run.stdout)
    assert iou and float(iou.group(1)) > 0.6, run.stdout
    assert re.search(r"atoms found: [1-9]\d* of 10 disks", run.stdout), run.stdout
    assert (tmp_path / "unet.safetensors").is_file()
