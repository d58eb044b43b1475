import subprocess


def run_report(name):
    command = build_command(name)
    return subprocess.check_output(command, shell=True).decode()  # expect: FG-INJ-001


def build_command(name):
    return f"/opt/bin/report --name {name}"
