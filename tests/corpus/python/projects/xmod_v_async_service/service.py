import aiohttp


async def fetch(url):
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as resp:  # expect: FG-INJ-007
            return {"statusCode": resp.status, "body": await resp.text()}
