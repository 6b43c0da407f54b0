"""The seller's data rights: export everything stored for a seller, erase it, disconnect, and honour
buyers' deletion requests. Logic only: collaborators (stores, workflows) are passed in."""
