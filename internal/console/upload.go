package console

import "net/http"

// uploadRoutes registers the routes of this screen.
func (s *Server) uploadRoutes(mux *http.ServeMux) {
	_ = mux
}
