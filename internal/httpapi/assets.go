package httpapi

import "net/http"

func (h *Handler) listClasses(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) createClass(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) getClass(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) updateClass(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) getClassBOM(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) putClassBOM(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) listAssets(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) createAsset(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) getAsset(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) updateAsset(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) listAssetChildren(w http.ResponseWriter, r *http.Request) error {
	return errNotImplemented
}

func (h *Handler) getAssetBOM(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) putAssetBOM(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }
