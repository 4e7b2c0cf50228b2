/** The Nest token of the MemberCluster this Warden serves. */
export const MEMBER_CLUSTER = Symbol('MEMBER_CLUSTER');
