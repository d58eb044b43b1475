import aiohttp


async def fetch_item(item):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"https://inventory.example.com/items/{item}") as resp:  # ok: FG-INJ-007
            return {"statusCode": resp.status, "body": await resp.text()}
