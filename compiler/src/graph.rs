//! The data-flow graph: services as nodes, flows as edges, and what travels along them.
//!
//! INVARIANT: node index `i` is `ServiceId(i)` and edge index `j` is `FlowId(j)`, so the graph
//! and the model index each other without maps.

pub mod lineage;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};

use crate::model::{ClassId, FlowId, Model, ServiceId, Travels};

/// Services and flows as a directed graph, with per-class edge lists for the analyses.
#[derive(Debug)]
pub struct Graph {
    pub graph: DiGraph<ServiceId, FlowId, u32>,
    /// For each class, the flows on which it travels as personal or non-personal data (every
    /// carried class except those removed on the way), sorted by flow id.
    pub flows_by_class: Vec<Vec<FlowId>>,
}

impl Graph {
    /// Builds the graph of a model in O(services + flows + carried classes).
    pub fn build(model: &Model) -> Graph {
        let mut graph = DiGraph::with_capacity(model.services.len(), model.flows.len());
        for id in model.service_ids() {
            graph.add_node(id);
        }
        let mut flows_by_class = vec![Vec::new(); model.classes.len()];
        for id in model.flow_ids() {
            let flow = model.flow(id);
            graph.add_edge(node(flow.source), node(flow.target), id);
            for carried in &flow.carries {
                if carried.transform.travels() != Travels::Nothing
                    && let Some(list) = flows_by_class.get_mut(carried.class.index())
                {
                    list.push(id);
                }
            }
        }
        Graph {
            graph,
            flows_by_class,
        }
    }

    /// Flows leaving a service, in flow-id order.
    pub fn outgoing(&self, service: ServiceId) -> impl Iterator<Item = FlowId> + '_ {
        let mut flows: Vec<FlowId> = self
            .graph
            .edges_directed(node(service), petgraph::Direction::Outgoing)
            .map(|e| *e.weight())
            .collect();
        flows.sort_unstable();
        flows.into_iter()
    }

    /// Flows arriving at a service, in flow-id order.
    pub fn incoming(&self, service: ServiceId) -> impl Iterator<Item = FlowId> + '_ {
        let mut flows: Vec<FlowId> = self
            .graph
            .edges_directed(node(service), petgraph::Direction::Incoming)
            .map(|e| *e.weight())
            .collect();
        flows.sort_unstable();
        flows.into_iter()
    }

    pub fn flows_carrying(&self, class: ClassId) -> &[FlowId] {
        self.flows_by_class
            .get(class.index())
            .map_or(&[], Vec::as_slice)
    }

    pub fn edge(&self, flow: FlowId) -> EdgeIndex<u32> {
        EdgeIndex::new(flow.index())
    }
}

fn node(service: ServiceId) -> NodeIndex<u32> {
    NodeIndex::new(service.index())
}
