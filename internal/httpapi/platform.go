package httpapi

import "net/http"

func (h *Handler) me(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }

func (h *Handler) verifyAudit(w http.ResponseWriter, r *http.Request) error { return errNotImplemented }
