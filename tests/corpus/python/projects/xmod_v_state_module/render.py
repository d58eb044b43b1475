from jinja2 import Template

import state


def page(name):
    return Template(state.current()).render(name=name)  # expect: FG-INJ-008
