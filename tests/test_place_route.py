"""hls/place_route.py reads nextpnr's report: the critical path's ends and its logic / routing split."""

from hls.place_route import critical_path


def test_the_critical_path_of_the_asked_clock_is_split_into_logic_and_routing():
    step = lambda kind, delay, a, b: {  # noqa: E731
        'type': kind,
        'delay': delay,
        'from': {'cell': a, 'port': 'Q'},
        'to': {'cell': b, 'port': 'DI'},
    }
    report = {
        'critical_paths': [
            {'from': 'other', 'to': 'other', 'path': [step('logic', 9.0, 'x', 'y')]},
            {'from': 'clk', 'to': 'clk', 'path': [
                step('clk-to-q', 0.5, 'ff1', 'n1'), step('routing', 1.25, 'n1', 'lut'), step('logic', 0.75, 'lut', 'n2'),
                step('routing', 2.0, 'n2', 'ff2'), step('setup', 0.25, 'ff2', 'ff2'),
            ]},
        ]
    }  # fmt: skip
    path = critical_path(report, 'clk')
    assert path['from'] == 'ff1.Q' and path['to'] == 'ff2.DI' and path['steps'] == 5
    assert path['logic_ns'] == 1.5 and path['routing_ns'] == 3.25 and path['total_ns'] == 4.75
