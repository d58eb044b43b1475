import os


def walk(node, depth):
    if depth > 5:
        return
    for child in node.get("children", []):
        walk(child, depth + 1)
    os.system("echo " + node["name"])  # expect: FG-INJ-001
