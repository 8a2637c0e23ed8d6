import time, cProfile, pstats
from tests.e2e.conftest import login
from tests.e2e.test_desk_http import register

async def test_size(client, lib):
    await login(client, lib.desk)
    for i in range(40):
        r, _ = await register(client, lib)
    print("\nresponse bytes", len(r.content), "status", r.status_code)
    open("/tmp/after_write.html", "wb").write(r.content)
    t = time.process_time()
    for i in range(100):
        r, _ = await register(client, lib)
    print("in-process CPU per registration (client+server)", round((time.process_time() - t) * 10, 2), "ms")
    pr = cProfile.Profile(); pr.enable()
    for i in range(100):
        r, _ = await register(client, lib)
    pr.disable()
    pstats.Stats(pr).sort_stats("tottime").print_stats(30)
