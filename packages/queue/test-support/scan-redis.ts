/**
 * Every key and value a Redis holds, as text, for canary tests: strings, hashes, lists, sets,
 * sorted sets and streams, each key's name included.
 */
import { Redis } from "ioredis";

export async function dumpRedis(url: string): Promise<string[]> {
  const client = new Redis(url, { maxRetriesPerRequest: null });
  const texts: string[] = [];
  try {
    let cursor = "0";
    do {
      const [next, names] = await client.scan(cursor, "COUNT", 1000);
      cursor = next;
      for (const name of names) {
        texts.push(name);
        const type = await client.type(name);
        if (type === "string") texts.push((await client.get(name)) ?? "");
        else if (type === "hash") texts.push(...Object.entries(await client.hgetall(name)).flat());
        else if (type === "list") texts.push(...(await client.lrange(name, 0, -1)));
        else if (type === "set") texts.push(...(await client.smembers(name)));
        else if (type === "zset") texts.push(...(await client.zrange(name, "0", "-1")));
        else if (type === "stream") {
          for (const [id, fields] of await client.xrange(name, "-", "+")) texts.push(id, ...fields);
        } else texts.push(`(unread type ${type})`);
      }
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
  return texts;
}

/** Deletes every key under a test's prefix: tests on a shared Redis leave nothing behind. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: null });
  try {
    let cursor = "0";
    do {
      const [next, names] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (names.length > 0) await client.del(...names);
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
}
