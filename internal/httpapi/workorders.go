package httpapi

import "net/http"

func (h *Handler) listWorkOrders(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) createWorkOrder(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) getWorkOrder(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) updateWorkOrder(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) listMaterials(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) addMaterial(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) completeWorkOrder(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) listLabor(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) logLabor(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) issueParts(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) returnParts(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) workOrderCosts(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) workOrderTrace(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) transition(verb string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }
}
