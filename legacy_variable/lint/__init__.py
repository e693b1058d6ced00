"""The static face: parse, check, fix. Never imports torch (start-up time, and it must
run where torch is absent) and never imports or executes the code it checks."""
