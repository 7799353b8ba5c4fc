package console

import "net/http"

// userRoutes registers the routes of this screen.
func (s *Server) userRoutes(mux *http.ServeMux) {
	_ = mux
}
