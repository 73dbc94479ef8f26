package httpapi

import "net/http"

func (h *Handler) listSites(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) createSite(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) getSite(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) updateSite(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) listLocations(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) createLocation(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) getLocation(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) updateLocation(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}
