/**
 * A kafkajs partition assigner that gives EVERY partition of the subscribed topics to one member,
 * the one with the lexicographically first member id; the others get nothing and stand by.
 * The incident stage needs one view of all services, so exactly one instance groups at a time;
 * when it leaves or dies, the next rebalance hands everything to another member.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export const SINGLE_OWNER_ASSIGNER_NAME = 'DownradarSingleOwner';

/** Pure part: member ids and topic partitions in, assignment out. */
export function assignAllToFirst(memberIds: string[], partitionsByTopic: Record<string, number[]>): Map<string, Record<string, number[]>> {
  const sorted = [...memberIds].sort();
  const out = new Map<string, Record<string, number[]>>();
  for (const id of sorted) out.set(id, {});
  const owner = sorted[0];
  if (owner !== undefined) {
    const all: Record<string, number[]> = {};
    for (const [topic, partitions] of Object.entries(partitionsByTopic)) all[topic] = [...partitions].sort((a, b) => a - b);
    out.set(owner, all);
  }
  return out;
}

export const singleOwnerAssigner: PartitionAssigner = ({ cluster }) => ({
  name: SINGLE_OWNER_ASSIGNER_NAME,
  version: 0,
  async assign({ members, topics }) {
    const partitionsByTopic: Record<string, number[]> = {};
    for (const topic of topics) partitionsByTopic[topic] = cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId);
    const assignment = assignAllToFirst(
      members.map((m) => m.memberId),
      partitionsByTopic,
    );
    return [...assignment].map(([memberId, a]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: a, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return { name: SINGLE_OWNER_ASSIGNER_NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
