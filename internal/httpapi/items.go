package httpapi

import "net/http"

func (h *Handler) listItems(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) createItem(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) getItem(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) updateItem(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) listStorerooms(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) createStoreroom(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) getStoreroom(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) putStockSettings(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) listStock(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) adjustStock(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) listMovements(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}
