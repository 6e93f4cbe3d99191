"""Local stand-ins for services Luister talks to over HTTP, run in the test process (no internet)."""
