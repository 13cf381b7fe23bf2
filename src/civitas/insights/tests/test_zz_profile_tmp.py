import cProfile, pstats, time
from civitas.insights.periods import parse_period
from civitas.insights.public import service_figures
import datetime

def test_profile(parking_permit):
    year = parse_period("2026", today=datetime.date(2026, 12, 4))
    service_figures("resident-parking-permit", year, organisation="example-borough")
    t = time.perf_counter()
    for _ in range(10):
        service_figures("resident-parking-permit", year, organisation="example-borough")
    print("ms", (time.perf_counter() - t) * 100)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(10):
        service_figures("resident-parking-permit", year, organisation="example-borough")
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
