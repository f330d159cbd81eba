//! The cluster network outside kube-proxy's rules: packets, connection tracking, cluster DNS
//! and routing between nodes.

pub mod conntrack;
pub mod dns;
pub mod packet;
pub mod trace;
