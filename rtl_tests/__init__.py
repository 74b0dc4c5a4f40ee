"""cocotb testbenches of the RTL, one folder per design under test, launched by pytest under Icarus and Verilator."""


def require_simulator(simulator: str) -> None:
    """Skip the calling test when `simulator` is not installed (hls.simulators.check_simulator says why)."""
    import pytest

    from hls.simulators import check_simulator

    try:
        check_simulator(simulator)
    except RuntimeError as e:
        pytest.skip(str(e))
