"""The Python examples in examples/python run to the end and say what they promise."""
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
