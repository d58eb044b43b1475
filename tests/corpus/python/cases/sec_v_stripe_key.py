import stripe

stripe.api_key = "sk_live_51HqLyjWDarjtT1zdp7dc9aB3xYz"  # expect: FG-SEC-005


def handler(event, context):
    return stripe.Charge.list(limit=3)
