//! `kubectl get deployments` and `kubectl get replicasets` (`printDeployment`,
//! `printReplicaSet` in `pkg/printers/internalversion/printers.go`).

use crate::api::{Kind, Object};
use crate::time::human_duration;
use crate::world::World;

use super::{rfc3339_to_ms, table};

fn age(world: &World, created: Option<&str>) -> String {
    let created = created.map_or(0, rfc3339_to_ms);
    human_duration(world.now().as_millis().saturating_sub(created))
}

/// `kubectl get deployments`: NAME, READY (`readyReplicas/replicas`), UP-TO-DATE
/// (`updatedReplicas`), AVAILABLE (`availableReplicas`), AGE.
pub fn deployments_table(world: &World) -> String {
    let rows: Vec<Vec<String>> = world
        .list(Kind::Deployment)
        .filter_map(|o| match o {
            Object::Deployment(d) => Some(vec![
                d.metadata.name.clone(),
                format!(
                    "{}/{}",
                    d.status.ready_replicas.unwrap_or(0),
                    d.spec.replicas.unwrap_or(1)
                ),
                d.status.updated_replicas.unwrap_or(0).to_string(),
                d.status.available_replicas.unwrap_or(0).to_string(),
                age(world, d.metadata.creation_timestamp.as_deref()),
            ]),
            _ => None,
        })
        .collect();
    table(&["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], &rows)
}

/// `kubectl get replicasets`: NAME, DESIRED (`spec.replicas`), CURRENT (`status.replicas`),
/// READY (`status.readyReplicas`), AGE.
pub fn replicasets_table(world: &World) -> String {
    let rows: Vec<Vec<String>> = world
        .list(Kind::ReplicaSet)
        .filter_map(|o| match o {
            Object::ReplicaSet(rs) => Some(vec![
                rs.metadata.name.clone(),
                rs.spec.replicas.unwrap_or(1).to_string(),
                rs.status.replicas.to_string(),
                rs.status.ready_replicas.unwrap_or(0).to_string(),
                age(world, rs.metadata.creation_timestamp.as_deref()),
            ]),
            _ => None,
        })
        .collect();
    table(&["NAME", "DESIRED", "CURRENT", "READY", "AGE"], &rows)
}
