package cluster

import (
	pcluster "github.com/asynkron/protoactor-go/cluster"
)

// singleMember is the membership of a node that runs alone (REDIS_URL unset): the topology
// is this member and never changes. Grains still run as cluster kinds, so the code path is
// the one a cluster uses.
type singleMember struct{}

func newSingleMember() *singleMember { return &singleMember{} }

func (s *singleMember) StartMember(c *pcluster.Cluster) error {
	host, port, err := c.ActorSystem.GetHostPort()
	if err != nil {
		return err
	}
	c.MemberList.UpdateClusterTopology(pcluster.Members{{
		Id: c.ActorSystem.ID, Host: host, Port: int32(port), Kinds: c.GetClusterKinds(),
	}})
	return nil
}

func (s *singleMember) StartClient(*pcluster.Cluster) error { return nil }
func (s *singleMember) Shutdown(bool) error                 { return nil }
