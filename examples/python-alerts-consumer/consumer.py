#!/usr/bin/python3
"""Read downradar's alert events from Kafka and print one line per incident event.

An example of a downradar alert consumer in another language than the project's own, with
Debian's python3-confluent-kafka (librdkafka underneath):

    sudo apt-get install -y python3-confluent-kafka
    /usr/bin/python3 examples/python-alerts-consumer/consumer.py --from-beginning

It shows the three things docs/alerts.md asks of every consumer:
  * dedupe on eventId ("<incidentId>:<seq>"): Kafka delivers at least once, so the same event
    can come twice (after a producer retry or a consumer restart);
  * rely on the order within one incident: the topic is keyed by incidentId, so every event of
    an incident is on one partition and seq goes up by one; a jump means a gap;
  * commit an offset only after the event has been handled (printed, here).

One line per event on stdout:
    <eventId> <type> <level> services=<primary ids>[ collateral=<ids>] :: <summary>
Diagnostics (duplicates, gaps, malformed messages) go to stderr.
"""
import argparse
import json
import sys
import time
import uuid
from collections import OrderedDict

from confluent_kafka import Consumer, KafkaError, KafkaException

REQUIRED = ("eventId", "incidentId", "seq", "type", "level", "services", "summary")


class Seen:
    """The eventIds already handled, bounded: the oldest are forgotten first."""

    def __init__(self, limit=100_000):
        self.limit = limit
        self.ids = OrderedDict()

    def add(self, event_id):
        """True when the id is new."""
        if event_id in self.ids:
            return False
        self.ids[event_id] = True
        if len(self.ids) > self.limit:
            self.ids.popitem(last=False)
        return True


def format_event(ev):
    primary = [s["serviceId"] for s in ev["services"] if s.get("role") == "primary"]
    collateral = [s["serviceId"] for s in ev["services"] if s.get("role") == "collateral"]
    line = "%s %s %s services=%s" % (ev["eventId"], ev["type"], ev["level"], ",".join(primary) or "-")
    if collateral:
        line += " collateral=%s" % ",".join(collateral)
    return line + " :: " + " ".join(str(ev["summary"]).split())


def parse(value):
    """The event, or None (with a reason on stderr) when the message is not one."""
    try:
        ev = json.loads(value)
    except (TypeError, ValueError) as e:
        print("skipping a message that is not JSON: %s" % e, file=sys.stderr)
        return None
    if not isinstance(ev, dict) or any(k not in ev for k in REQUIRED):
        print("skipping a message that is not an incident event: %.200s" % value, file=sys.stderr)
        return None
    return ev


def main(argv=None):
    p = argparse.ArgumentParser(description="Print downradar incident events from Kafka, one line each, deduped on eventId.")
    p.add_argument("--brokers", default="127.0.0.1:9092", help="bootstrap servers (default %(default)s)")
    p.add_argument("--topic", default="downradar.alerts", help="alerts topic (default %(default)s)")
    p.add_argument("--group", default=None, help="consumer group; default a fresh one (reads per --from-beginning, commits nothing that matters)")
    p.add_argument("--from-beginning", action="store_true", help="a group without committed offsets starts at the oldest event (default: newest)")
    p.add_argument("--max-messages", type=int, default=0, help="stop after printing this many distinct events (0 = no limit)")
    p.add_argument("--timeout", type=float, default=0, help="stop after this many seconds (0 = run until interrupted)")
    args = p.parse_args(argv)

    consumer = Consumer({
        "bootstrap.servers": args.brokers,
        "group.id": args.group or "downradar-example-%s" % uuid.uuid4().hex[:12],
        "auto.offset.reset": "earliest" if args.from_beginning else "latest",
        # Offsets are committed by hand, after each event has been handled.
        "enable.auto.commit": False,
        "client.id": "downradar-python-example",
    })
    consumer.subscribe([args.topic])

    seen = Seen()
    last_seq = {}
    printed = 0
    deadline = time.monotonic() + args.timeout if args.timeout > 0 else None
    try:
        while True:
            if args.max_messages and printed >= args.max_messages:
                return 0
            if deadline is not None and time.monotonic() >= deadline:
                print("timeout after %.1f s with %d event(s)" % (args.timeout, printed), file=sys.stderr)
                return 3 if args.max_messages else 0
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                err = msg.error()
                if err.code() in (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART):
                    continue  # the topic may not exist yet; keep polling
                raise KafkaException(err)
            ev = parse(msg.value())
            if ev is not None:
                if not seen.add(ev["eventId"]):
                    print("duplicate %s skipped" % ev["eventId"], file=sys.stderr)
                else:
                    prev = last_seq.get(ev["incidentId"])
                    if prev is not None and ev["seq"] > prev + 1:
                        print("gap in %s: seq %d after %d" % (ev["incidentId"], ev["seq"], prev), file=sys.stderr)
                    last_seq[ev["incidentId"]] = max(prev or 0, ev["seq"])
                    print(format_event(ev), flush=True)
                    printed += 1
            # Handled (printed or deliberately skipped): now the offset may move on.
            consumer.commit(message=msg, asynchronous=False)
    except KeyboardInterrupt:
        return 0
    finally:
        consumer.close()


if __name__ == "__main__":
    sys.exit(main())
