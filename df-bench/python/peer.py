"""The Python peer of `df-bench speed`: Dragonflow's 2.0 -> 5.0 upgrade as an operator's
script would do it with redis-py, to compare df-runner with.

SCAN the keys of Dragonflow's layout, MGET them in batches of 1000, `json.loads`, apply
the history's rules (dragonflow-nb-history.md), `json.dumps`, and write back with
pipelined SETs and DELs. No snapshot, no validation, no log, no image, no lease: the work
alone, which is what df-runner's overhead is measured against.

Usage: python3 peer.py redis://127.0.0.1:PORT/0
Prints one JSON line: {"seconds": S, "objects": N, "written": W}.
"""

import json
import sys
import time

import redis

BATCH = 1000
PROTOCOLS = {"icmp": 1, "tcp": 6, "udp": 17, "icmpv6": 58}


def split_key(key):
    """`{table.topic}id` -> (table, topic, id)."""
    tag, ident = key[1:].split("}", 1)
    table, topic = tag.split(".", 1)
    return table, topic, ident


def key_of(table, topic, ident):
    return "{%s.%s}%s" % (table, topic, ident)


def read(client):
    """Every object of Dragonflow's layout, by key, and the unique-key counters."""
    objects, counters = {}, {}
    keys = list(client.scan_iter(match="{*", count=BATCH))
    for start in range(0, len(keys), BATCH):
        group = keys[start:start + BATCH]
        for key, value in zip(group, client.mget(group)):
            if value is None:
                continue
            key = key.decode()
            table, _, ident = split_key(key)
            if table == "unique_key":
                counters[ident] = int(value)
            elif table not in ("schema_migration", "df_schema"):
                objects[key] = json.loads(value)
    return objects, counters


def allocate(objects, counters, table):
    """Unique keys for the table's objects without one, in id order, from its counter."""
    mine = sorted((obj["id"].encode(), obj) for key, obj in objects.items() if split_key(key)[0] == table)
    counter = counters.get(table, 0)
    for _, obj in mine:
        if "unique_key" not in obj:
            counter += 1
            obj["unique_key"] = counter
    counters[table] = counter


def lport(obj):
    obj["unique_key"] = obj.pop("tunnel_key")
    chassis, remote_vtep = obj.pop("chassis", None), obj.pop("remote_vtep", False)
    if remote_vtep:
        obj["binding"] = {"type": "vtep", "chassis": None, "vtep_address": chassis}
    elif isinstance(chassis, str):
        obj["binding"] = {"type": "chassis", "chassis": chassis, "vtep_address": None}
    else:
        obj["binding"] = None
    opts = {}
    for option in obj.pop("extra_dhcp_options", None) or []:
        opts[str(option["tag"])] = option["value"]
    obj["dhcp_params"] = {"opts": opts, "siaddr": None}
    obj["binding_vnic_type"] = "normal"


def chassis(obj):
    tunnel_type = obj.pop("tunnel_type", None)
    obj["tunnel_types"] = [] if tunnel_type is None else [tunnel_type]


def secgroup(obj):
    for rule in obj.get("rules", []):
        protocol = rule.get("protocol")
        if protocol is None:
            continue
        if protocol in PROTOCOLS:
            rule["protocol"] = PROTOCOLS[protocol]
        elif protocol.isdigit() and 0 <= int(protocol) <= 255:
            rule["protocol"] = int(protocol)
        else:
            raise SystemExit("secgroup %s rule %s: bad protocol %r" % (obj["id"], rule["id"], protocol))


def floatingip(obj):
    obj.pop("unique_key", None)
    obj.pop("name", None)


def switch_port(obj):
    obj["port_num"] = obj.pop("ofport", None)
    obj["lport"] = obj.pop("iface_id", None)
    if obj.get("type") == "vm":
        obj["type"] = "compute"
    obj.pop("peer_bridge", None)


def lswitch(key, obj, created):
    _, topic, ident = split_key(key)
    for subnet in obj.pop("subnets", None) or []:
        moved = {field: subnet.get(field) for field in ("id", "name", "cidr", "gateway_ip", "dns_nameservers", "host_routes")}
        moved.update(topic=topic, version=1, lswitch=ident)
        created[key_of("lsubnet", topic, subnet["id"])] = moved
    obj["qos_policy"] = None


def upgrade(objects, counters):
    """Applies the rules; returns the keys to set (with their objects) and to delete."""
    allocate(objects, counters, "lswitch")
    allocate(objects, counters, "secgroup")
    sets, deletes = {}, []
    for key, obj in objects.items():
        table, topic, ident = split_key(key)
        if table == "lport":
            lport(obj)
        elif table == "chassis":
            chassis(obj)
        elif table == "secgroup":
            secgroup(obj)
        elif table == "floatingip":
            floatingip(obj)
        elif table == "lswitch":
            lswitch(key, obj, sets)
        elif table == "ovs_port":
            switch_port(obj)
            deletes.append(key)
            key = key_of("switch_port", topic, ident)
        else:
            continue
        sets[key] = obj
    return sets, deletes


def write(client, sets, deletes, counters):
    pipe = client.pipeline(transaction=False)
    queued = 0
    for key, obj in sets.items():
        pipe.set(key, json.dumps(obj, separators=(",", ":")))
        queued += 1
        if queued % BATCH == 0:
            pipe.execute()
    for key in deletes:
        pipe.delete(key)
        queued += 1
        if queued % BATCH == 0:
            pipe.execute()
    for table in ("lswitch", "secgroup"):
        pipe.set(key_of("unique_key", "", table), counters[table])
    pipe.execute()


def main():
    client = redis.Redis.from_url(sys.argv[1])
    started = time.monotonic()
    objects, counters = read(client)
    sets, deletes = upgrade(objects, counters)
    write(client, sets, deletes, counters)
    seconds = time.monotonic() - started
    print(json.dumps({"seconds": seconds, "objects": len(objects), "written": len(sets) + len(deletes)}))


if __name__ == "__main__":
    main()
