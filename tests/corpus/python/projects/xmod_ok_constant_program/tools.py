import subprocess


def run_tool(program, argument):
    done = subprocess.run([program, "--", argument], capture_output=True, check=False)  # ok: FG-INJ-001
    return done.stdout.decode()
